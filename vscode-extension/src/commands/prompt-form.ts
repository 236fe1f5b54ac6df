// Asks a person for a form's fields (a `data` trigger's start form, a `data` task's approval form), one prompt per
// field: a quick pick for `bool` and `select`, an input box otherwise. Undefined when they pressed Escape.
import type { Form, FormValues } from '@floe/shared';
import * as vscode from 'vscode';

export async function promptForm(form: Form, title: string): Promise<FormValues | undefined> {
  const values: FormValues = {};
  for (const field of form.fields) {
    const label = field.prompt ?? field.id;
    const fallback = field.value === undefined ? undefined : String(field.value);
    let answer: string | undefined;
    if (field.type === 'bool' || field.type === 'select') {
      const options = field.type === 'bool' ? ['true', 'false'] : (field.options ?? []);
      answer = await vscode.window.showQuickPick(options, {
        title: `${title}: ${label}`,
        placeHolder: fallback,
        ignoreFocusOut: true,
      });
    } else {
      answer = await vscode.window.showInputBox({
        title: `${title}: ${label}`,
        value: fallback,
        ignoreFocusOut: true,
        validateInput: (text) => {
          if (field.required && text.trim() === '') return `${label} is required`;
          if (field.type === 'number' && text.trim() !== '' && !Number.isFinite(Number(text))) return 'a number';
          return undefined;
        },
      });
    }
    if (answer === undefined) return undefined;
    if (answer === '' && !field.required) continue;
    values[field.id] = field.type === 'number' ? Number(answer) : field.type === 'bool' ? answer === 'true' : answer;
  }
  return values;
}
