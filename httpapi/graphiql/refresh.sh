#!/usr/bin/env bash
# Refreshes the vendored GraphiQL page assets from the npm registry, so the page works with no internet
# access (nothing is loaded from a CDN). Run it after changing a version below, then commit assets/.
# GraphiQL 3.9 is the newest release with a browser-ready build; GraphiQL 5 has none.
set -euo pipefail

REACT_VERSION=18.2.0
GRAPHIQL_VERSION=3.9.0

here=$(cd "$(dirname "$0")" && pwd)
assets="$here/assets"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # package version file-in-package name-in-assets
	local pkg=$1 version=$2 src=$3 dst=$4
	if [ ! -d "$work/$pkg" ]; then
		(cd "$work" && npm pack --silent "$pkg@$version" >/dev/null)
		mkdir -p "$work/$pkg"
		tar -xzf "$work/${pkg}-${version}.tgz" -C "$work/$pkg"
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

{
	echo "# Vendored by refresh.sh from the npm registry: package version file sha256"
	for f in react.production.min.js LICENSE.react.txt; do echo "react $REACT_VERSION $f $(sha256sum "$assets/$f" | cut -d' ' -f1)"; done
	for f in react-dom.production.min.js LICENSE.react-dom.txt; do echo "react-dom $REACT_VERSION $f $(sha256sum "$assets/$f" | cut -d' ' -f1)"; done
	for f in graphiql.min.js graphiql.min.css LICENSE.graphiql.txt; do echo "graphiql $GRAPHIQL_VERSION $f $(sha256sum "$assets/$f" | cut -d' ' -f1)"; done
} >"$assets/VERSIONS"
cat "$assets/VERSIONS"
