import type { Form } from '@floe/shared';
import { css, html, LitElement } from 'lit';
import { checkValues, initialValues, type RawValues } from '../form-values.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-spinner.js';

/**
 * A `data` form (a start form or a task's approval form), fields typed as the form says and checked before
 * anything is sent.
 * @fires floe-form-submit - `detail: {values}`, the typed values
 * @fires floe-form-reject - the person rejected (only when `rejectLabel` is set)
 */
export class FloeForm extends LitElement {
  static override properties = {
    form: { attribute: false },
    submitLabel: { attribute: 'submit-label' },
    rejectLabel: { attribute: 'reject-label' },
    busy: { type: Boolean },
    values: { state: true },
    problems: { state: true },
  };
  static override styles = [
    sharedStyles,
    css`
      form {
        display: grid;
        gap: 0.7rem;
        max-width: 32rem;
      }
      label {
        display: grid;
        gap: 0.2rem;
      }
      label.check {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      .problem {
        color: var(--floe-bad);
        font-size: 0.85rem;
      }
    `,
  ];
  declare form: Form;
  declare submitLabel: string;
  declare rejectLabel: string | undefined;
  declare busy: boolean;
  declare private values: RawValues;
  declare private problems: Record<string, string>;

  constructor() {
    super();
    this.form = { fields: [] };
    this.submitLabel = 'Submit';
    this.busy = false;
    this.values = {};
    this.problems = {};
  }

  override willUpdate(changed: Map<PropertyKey, unknown>) {
    if (changed.has('form')) {
      this.values = initialValues(this.form);
      this.problems = {};
    }
  }

  override render() {
    return html`<form @submit=${this.onSubmit} novalidate>
      ${this.form.title ? html`<h3>${this.form.title}</h3>` : null}
      ${this.form.fields.map((field) => {
        const label = field.prompt ?? field.id;
        const problem = this.problems[field.id];
        const value = this.values[field.id];
        const set = (next: string | boolean) => {
          this.values = { ...this.values, [field.id]: next };
          if (problem)
            this.problems = Object.fromEntries(Object.entries(this.problems).filter(([id]) => id !== field.id));
        };
        const marker = field.required && field.type !== 'bool' ? html`<span aria-hidden="true"> *</span>` : null;
        if (field.type === 'bool') {
          return html`<label class="check">
            <input type="checkbox" name=${field.id} .checked=${value === true}
              @change=${(e: Event) => set((e.target as HTMLInputElement).checked)} />${label}
          </label>`;
        }
        const control =
          field.type === 'select'
            ? html`<select name=${field.id} .value=${String(value ?? '')} aria-invalid=${problem ? 'true' : 'false'}
                @change=${(e: Event) => set((e.target as HTMLSelectElement).value)}>
                ${(field.options ?? []).map((option) => html`<option .selected=${option === value}>${option}</option>`)}
              </select>`
            : html`<input name=${field.id} type=${field.type === 'number' ? 'number' : 'text'}
                inputmode=${field.type === 'number' ? 'decimal' : 'text'} .value=${String(value ?? '')}
                aria-invalid=${problem ? 'true' : 'false'}
                @input=${(e: Event) => set((e.target as HTMLInputElement).value)} />`;
        return html`<label>
          <span>${label}${marker}</span>${control}
          ${problem ? html`<span class="problem" role="alert">${problem}</span>` : null}
        </label>`;
      })}
      <div class="row">
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.submitLabel}</button>
        ${
          this.rejectLabel
            ? html`<button class="danger" type="button" ?disabled=${this.busy} @click=${this.onReject}>
              ${this.rejectLabel}
            </button>`
            : null
        }
        ${this.busy ? html`<floe-spinner label="Sending…"></floe-spinner>` : null}
      </div>
    </form>`;
  }

  private onSubmit(event: Event) {
    event.preventDefault();
    const checked = checkValues(this.form, this.values);
    if (!checked.ok) {
      this.problems = checked.problems;
      return;
    }
    this.problems = {};
    this.dispatchEvent(
      new CustomEvent('floe-form-submit', { detail: { values: checked.values }, bubbles: true, composed: true }),
    );
  }

  private onReject() {
    this.dispatchEvent(new Event('floe-form-reject', { bubbles: true, composed: true }));
  }
}

customElements.define('floe-form', FloeForm);
declare global {
  interface HTMLElementTagNameMap {
    'floe-form': FloeForm;
  }
}
