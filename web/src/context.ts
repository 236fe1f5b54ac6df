// A typed service handed down the element tree (CONTRIBUTING.md "The dashboard and the extension"), after the Lit
// context protocol: a consumer fires a bubbling, composed request event; the nearest provider answers it now
// and again whenever the value changes, until the consumer disconnects.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface Context<T> {
  readonly name: string;
  /** Only for typing. */
  readonly __type?: T;
}

export function createContext<T>(name: string): Context<T> {
  return { name };
}

const REQUEST = 'floe-context-request';

class ContextRequestEvent<T> extends Event {
  constructor(
    readonly context: Context<T>,
    readonly callback: (value: T | undefined) => void,
    readonly subscribe: (unsubscribe: () => void) => void,
  ) {
    super(REQUEST, { bubbles: true, composed: true });
  }
}

/** Answers requests for `context` that reach `host`. */
export class ContextProvider<T> implements ReactiveController {
  private readonly callbacks = new Set<(value: T | undefined) => void>();
  private current: T | undefined;
  private readonly onRequest = (event: Event) => {
    const request = event as ContextRequestEvent<T>;
    if (request.context !== this.context) return;
    event.stopPropagation();
    this.callbacks.add(request.callback);
    request.subscribe(() => this.callbacks.delete(request.callback));
    request.callback(this.current);
  };

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly context: Context<T>,
  ) {
    host.addController(this);
  }

  get value(): T | undefined {
    return this.current;
  }

  set value(value: T | undefined) {
    this.current = value;
    for (const callback of this.callbacks) callback(value);
  }

  hostConnected(): void {
    this.host.addEventListener(REQUEST, this.onRequest);
  }

  hostDisconnected(): void {
    this.host.removeEventListener(REQUEST, this.onRequest);
  }
}

/** Holds the nearest provider's value of `context` and updates `host` when it changes. */
export class ContextConsumer<T> implements ReactiveController {
  value: T | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly context: Context<T>,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.host.dispatchEvent(
      new ContextRequestEvent<T>(
        this.context,
        (value) => {
          if (value === this.value) return;
          this.value = value;
          this.host.requestUpdate();
        },
        (unsubscribe) => {
          this.unsubscribe = unsubscribe;
        },
      ),
    );
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
