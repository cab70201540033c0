#!/usr/bin/env bash
# macOS: PyInstaller .app bundle, then a compressed .dmg with an Applications link. Run on a Mac (CI workflow).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${1:-.venv/bin/python}"
VERSION="$("$PY" -c 'import app; print(app.__version__)')"
"$PY" -m PyInstaller --noconfirm --distpath build/dist --workpath build/work packaging/rerank-playground.spec
STAGE=build/dmg && rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -R "build/dist/Rerank Playground.app" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "Rerank Playground" -srcfolder "$STAGE" -ov -format UDZO \
    "build/RerankPlayground-${VERSION}-macos-$(uname -m).dmg"
