# Shared by run.sh and test.sh: a virtual environment that is reinstalled only when
# pyproject.toml changes, and Debian's Chromium for the browser tests.

ensure_venv() {
  local extras="$1"
  if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
  fi
  # shellcheck disable=SC1091
  source .venv/bin/activate
  local stamp=".venv/.installed${extras}"
  local want
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    python -m pip install --quiet --upgrade pip
    python -m pip install --quiet ".${extras}"
    echo "$want" > "$stamp"
  fi
}

chromium_path() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then echo "$candidate"; return 0; fi
  done
  return 1
}

ensure_chromium() {
  if ! chromium_path >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      echo "Устанавливаю Chromium из Debian для браузерных тестов…"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
    fi
  fi
  if CHROMIUM_PATH="$(chromium_path)"; then
    export CHROMIUM_PATH
  else
    echo "Chromium не найден: для браузерных тестов установите пакет Debian «chromium»." >&2
    return 1
  fi
}
