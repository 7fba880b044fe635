#!/usr/bin/env bash
# Set up everything the app needs on a fresh Debian machine, then migrate and seed.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
apt_ensure "${RUNTIME_PACKAGES[@]}"
ensure_venv
flask_cmd db upgrade
flask_cmd seed --tenders
