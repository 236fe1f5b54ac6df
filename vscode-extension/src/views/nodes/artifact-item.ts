// An artifact of a run in the Runs view (docs/floe-yaml.md "Artifacts"): its name, files and size; a click opens it,
// the context menu downloads it to a folder.
import type { ArtifactView, RunSummary } from '@floe/shared';
import * as vscode from 'vscode';
import { themeIcon } from './icon.js';
import type { RunItem } from './run-item.js';

export class ArtifactItem extends vscode.TreeItem {
  readonly kind = 'artifact';
  constructor(
    readonly run: RunSummary,
    readonly artifact: ArtifactView,
    /** The run item it is listed under (for TreeView.reveal). */
    readonly parent: RunItem,
  ) {
    super(artifact.name, vscode.TreeItemCollapsibleState.None);
    this.id = `${parent.id}:artifact:${artifact.name}`;
    const files = artifact.files.length;
    this.description = `${files} ${files === 1 ? 'file' : 'files'}, ${size(artifact.size)}${artifact.state === 'stored' ? '' : ' (uploading)'}`;
    this.tooltip = artifact.files.map((file) => `${file.path}  ${size(file.size)}  sha256 ${file.sha256}`).join('\n');
    this.iconPath = themeIcon({ id: 'package' });
    this.contextValue = artifact.state === 'stored' ? 'artifact' : 'artifactUploading';
    if (artifact.state === 'stored') this.command = { command: 'floe.openArtifact', title: 'Open', arguments: [this] };
  }
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
