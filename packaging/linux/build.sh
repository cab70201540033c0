#!/usr/bin/env bash
# Build the Linux bundle (PyInstaller one-folder), a portable .tar.gz and a .deb installing to /opt.
# Usage: packaging/linux/build.sh [PYTHON]   (PYTHON: an interpreter with the app installed; default .venv/bin/python)
# Output: build/dist/rerank-playground/ , build/rerank-playground-VERSION-linux-x86_64.tar.gz ,
#         build/rerank-playground_VERSION_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${1:-.venv/bin/python}"
VERSION="$("$PY" -c 'import app; print(app.__version__)')"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
"$PY" -m pip install -q "pyinstaller>=6.10"
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/work \
    packaging/rerank-playground.spec
tar -C build/dist -czf "build/rerank-playground-${VERSION}-linux-$(uname -m).tar.gz" rerank-playground

PKG=build/deb/rerank-playground
rm -rf build/deb && mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
    "$PKG/usr/share/icons/hicolor/256x256/apps" "$PKG/usr/share/mime/packages"
cp -a build/dist/rerank-playground "$PKG/opt/rerank-playground"
cat > "$PKG/usr/bin/rerank-playground" <<'LAUNCH'
#!/bin/sh
exec /opt/rerank-playground/rerank-playground "$@"
LAUNCH
chmod 755 "$PKG/usr/bin/rerank-playground"
cp packaging/linux/rerank-playground.desktop "$PKG/usr/share/applications/"
# The session file type (*.rpsession.json, or by content); dpkg's triggers of shared-mime-info and
# desktop-file-utils rebuild the MIME and desktop databases, so no maintainer script is needed.
cp packaging/linux/rerank-playground-session.xml "$PKG/usr/share/mime/packages/"
cp resources/icons/rerank-playground.png "$PKG/usr/share/icons/hicolor/256x256/apps/"
SIZE_KB="$(du -sk "$PKG" | cut -f1)"
cat > "$PKG/DEBIAN/control" <<CONTROL
Package: rerank-playground
Version: ${VERSION}
Section: science
Priority: optional
Architecture: ${ARCH}
Installed-Size: ${SIZE_KB}
Depends: libgl1, libegl1, libxkbcommon0, libfontconfig1, libdbus-1-3, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xkb1, libxcb-util1, libxkbcommon-x11-0, libx11-xcb1, libxcb1
Recommends: shared-mime-info, desktop-file-utils
Maintainer: Rerank Playground developers <noreply@localhost>
Description: Compare reranker scores across inference runtimes, offline
 Rerank Playground scores a query against documents with reranker models on
 onnxruntime, llama.cpp and CTranslate2 side by side, with fidelity warnings.
CONTROL
dpkg-deb -Zgzip -z6 --root-owner-group --build "$PKG" "build/rerank-playground_${VERSION}_${ARCH}.deb" >/dev/null
echo "built: build/rerank-playground_${VERSION}_${ARCH}.deb"
