// Package graph presents the store as GraphQL: gqlgen's generated executor, the resolvers that connect
// the schema to the store, and the one place the GraphQL handler is configured.
package graph

// gqlgen reads gqlgen.yml from the module root, with paths relative to it; graph/codegen runs it with
// the project's plugin, which writes direct_gen.go.
//go:generate sh -c "cd .. && go run ./graph/codegen"
