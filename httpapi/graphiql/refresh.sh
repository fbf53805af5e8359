#!/usr/bin/env bash
# Refreshes the vendored GraphiQL page assets from the npm registry, so the page works with no internet
# access (nothing is loaded from a CDN). Run it after changing a version below, then commit assets/.
# GraphiQL 3.9 is the newest release with a browser-ready build; GraphiQL 5 has none. The explorer
# plugin 3.2.6 is the last for GraphiQL 3.9's @graphiql/react (^0.29); its browser build takes React,
# GraphiQL.React and GraphiQL.GraphQL from the page. It ships no licence file of its own: it declares
# MIT in its package.json and comes from the same repository as GraphiQL, whose LICENSE is vendored.
set -euo pipefail

REACT_VERSION=18.2.0
GRAPHIQL_VERSION=3.9.0
EXPLORER_VERSION=3.2.6

here=$(cd "$(dirname "$0")" && pwd)
assets="$here/assets"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # package version file-in-package name-in-assets
	local pkg=$1 version=$2 src=$3 dst=$4
	local tarball
	if [ ! -d "$work/$pkg" ]; then
		tarball=$(cd "$work" && npm pack --silent "$pkg@$version")
		mkdir -p "$work/$pkg"
		tar -xzf "$work/$tarball" -C "$work/$pkg"
	fi
	cp "$work/$pkg/package/$src" "$assets/$dst"
}

mkdir -p "$assets"
fetch react "$REACT_VERSION" umd/react.production.min.js react.production.min.js
fetch react "$REACT_VERSION" LICENSE LICENSE.react.txt
fetch react-dom "$REACT_VERSION" umd/react-dom.production.min.js react-dom.production.min.js
fetch react-dom "$REACT_VERSION" LICENSE LICENSE.react-dom.txt
fetch graphiql "$GRAPHIQL_VERSION" graphiql.min.js graphiql.min.js
fetch graphiql "$GRAPHIQL_VERSION" graphiql.min.css graphiql.min.css
fetch graphiql "$GRAPHIQL_VERSION" LICENSE LICENSE.graphiql.txt
fetch @graphiql/plugin-explorer "$EXPLORER_VERSION" dist/index.umd.js graphiql-plugin-explorer.umd.js
fetch @graphiql/plugin-explorer "$EXPLORER_VERSION" dist/style.css graphiql-plugin-explorer.css

{
	echo "# Vendored by refresh.sh from the npm registry: package version file sha256"
	for f in react.production.min.js LICENSE.react.txt; do echo "react $REACT_VERSION $f $(sha256sum "$assets/$f" | cut -d' ' -f1)"; done
	for f in react-dom.production.min.js LICENSE.react-dom.txt; do echo "react-dom $REACT_VERSION $f $(sha256sum "$assets/$f" | cut -d' ' -f1)"; done
	for f in graphiql.min.js graphiql.min.css LICENSE.graphiql.txt; do echo "graphiql $GRAPHIQL_VERSION $f $(sha256sum "$assets/$f" | cut -d' ' -f1)"; done
	for f in graphiql-plugin-explorer.umd.js graphiql-plugin-explorer.css; do echo "@graphiql/plugin-explorer $EXPLORER_VERSION $f $(sha256sum "$assets/$f" | cut -d' ' -f1)"; done
} >"$assets/VERSIONS"
cat "$assets/VERSIONS"
