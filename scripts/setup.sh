#!/usr/bin/env bash
# Installs what oncometrics needs on a fresh Debian machine, idempotently:
# - mold (faster linking; optional, the build works without it)
# - mecab-ipadic (the IPADIC source the survey free-text analysis compiles its
#   dictionary from) and mecab (the reference tokenizer the tests compare with)
# - chromium, chromium-driver and fonts-noto-cjk (the dashboard's browser test
#   drives headless Chromium through selenium; Japanese text needs a CJK font)
# - poppler-utils (pdftotext, pdftoppm, pdfinfo, pdffonts: the report tests read the PDFs
#   back) and openpyxl (a real XLSX reader for the research pack test)
# - Python packages for the tests: schemathesis (the API fuzzer), selenium (the
#   browser test) and, for the
#   cross-checks, pyarrow, polars and duckdb (they read the Parquet lake exactly
#   as a researcher would)
# - axe-core (npm, pinned; needs Debian's npm): the browser test runs it on every page
#   and fails on a serious WCAG 2.1 A/AA violation. Kept in ~/.cache/oncometrics/npm.
set -euo pipefail
need_apt=()
command -v mold >/dev/null 2>&1 || need_apt+=(mold)
[ -f /usr/share/mecab/dic/ipadic/matrix.def ] || need_apt+=(mecab-ipadic)
command -v mecab >/dev/null 2>&1 || need_apt+=(mecab)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
[ -d /usr/share/fonts/opentype/noto ] && fc-list :lang=ja 2>/dev/null | grep -q . || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}") >/dev/null 2>&1 \
      || echo "setup: could not install ${need_apt[*]} (continuing without)" >&2
  else
    echo "setup: not root; skipping apt packages ${need_apt[*]}" >&2
  fi
fi
if command -v python3 >/dev/null 2>&1; then
  if ! python3 -c 'import pyarrow, polars, duckdb, schemathesis, selenium, openpyxl' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check pyarrow polars duckdb schemathesis selenium openpyxl >/dev/null 2>&1 \
      || echo "setup: could not install the Python cross-check packages" >&2
  fi
fi
AXE_VERSION=4.14.1
axe_dir="${XDG_CACHE_HOME:-$HOME/.cache}/oncometrics/npm"
if command -v npm >/dev/null 2>&1 \
  && ! grep -qs "\"version\": \"$AXE_VERSION\"" "$axe_dir/node_modules/axe-core/package.json"; then
  mkdir -p "$axe_dir"
  npm install --silent --no-audit --no-fund --prefix "$axe_dir" "axe-core@$AXE_VERSION" >/dev/null 2>&1 \
    || echo "setup: could not install axe-core (the browser test will fail)" >&2
fi
