"""The tracing front end: `@pa.model` and the primitives that record a model."""
