// The dashboard's Content-Security-Policy allows no eval (docs/security.md "HTTP headers"). zod compiles object
// schemas with `new Function` when it can, and finds out whether it can by trying as each object schema is built —
// which the browser reports as a violation even though zod then falls back. Told to stay jitless, it never tries.
// zod reads its configuration from this global when it loads, and schemas are built as @floe/shared loads, so this
// module imports nothing and main.ts imports it first: it runs before either.
const config = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
config.__zod_globalConfig = { ...config.__zod_globalConfig, jitless: true };

export {};
