"""The GraphQL face: Strawberry types and roots, every field delegating to resolvers/."""
