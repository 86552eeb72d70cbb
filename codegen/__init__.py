"""The generator: artefacts derived from the code, checked for drift by `--check`.

Today it writes the GraphQL SDL (`schema.graphql`); the route catalog, generated REST routers,
OpenAPI, TypeScript types and endpoint reference join it with the codegen issue.
"""
