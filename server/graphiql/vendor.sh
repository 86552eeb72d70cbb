#!/bin/sh
# Refreshes assets/ from the npm registry (`make graphiql-assets`): `npm pack` checks each
# tarball against the registry's integrity, and the files keep their version in their names.
# After a version change, update page.html's tags and their integrity (printed below); the
# page test (tests/server/test_graphiql.py) fails until the two agree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package, version, file inside the tarball, vendored name
vendor() {
	tarball=$(cd "$work" && npm pack --silent "$1@$2")
	mkdir -p "$work/$tarball.d"
	tar -xzf "$work/$tarball" -C "$work/$tarball.d" "package/$3"
	cp "$work/$tarball.d/package/$3" "$here/assets/$4"
	echo "$4 sha384-$(openssl dgst -sha384 -binary "$here/assets/$4" | base64 | tr -d '\n')"
}

rm -f "$here"/assets/*
vendor react 18.2.0 umd/react.production.min.js react-18.2.0.production.min.js
vendor react-dom 18.2.0 umd/react-dom.production.min.js react-dom-18.2.0.production.min.js
vendor graphiql 3.8.3 graphiql.min.js graphiql-3.8.3.min.js
vendor graphiql 3.8.3 graphiql.min.css graphiql-3.8.3.min.css
vendor @graphiql/plugin-explorer 1.0.2 dist/index.umd.js graphiql-plugin-explorer-1.0.2.umd.js
vendor @graphiql/plugin-explorer 1.0.2 dist/style.css graphiql-plugin-explorer-1.0.2.css
