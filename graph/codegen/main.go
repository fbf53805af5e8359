// Command codegen runs gqlgen with the project's plugin (plainwrite), from the module root, where
// gqlgen.yml is: go generate ./graph runs it.
package main

import (
	"log"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"

	"github.com/jamforelse/api/graph/codegen/plainwrite"
)

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		log.Fatal(err)
	}
	if err := api.Generate(cfg, api.AddPlugin(plainwrite.Plugin{Filename: "graph/direct_gen.go"})); err != nil {
		log.Fatal(err)
	}
}
