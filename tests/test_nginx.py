"""The nginx configuration in docs/ is one nginx accepts (`nginx -t`), as the docs give it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import trustme

from portal.config import PROJECT_ROOT

SITE = PROJECT_ROOT / "docs" / "nginx" / "plugboard.conf"
CERTIFICATES = "/etc/ssl/plugboard/"  # where the site expects its certificate
# nginx.conf around the site, with everything nginx opens or writes in the test's folder.
NGINX_CONF = """\
pid {folder}/nginx.pid;
events {{}}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/plugboard.conf;
}}
"""


def nginx() -> str:
    # Debian installs it in /usr/sbin, which a user's PATH may lack.
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing; CI must check docs/nginx/plugboard.conf")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return found


def test_documented_nginx_configuration_passes_nginx_t(tmp_path: Path) -> None:
    site = SITE.read_text()
    assert CERTIFICATES in site
    leaf = trustme.CA().issue_cert("example.com", "*.example.com")
    (tmp_path / "fullchain.pem").write_bytes(
        b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(tmp_path / "privkey.pem"))
    (tmp_path / "plugboard.conf").write_text(site.replace(CERTIFICATES, f"{tmp_path}/"))
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(folder=tmp_path))

    checked = subprocess.run(
        [nginx(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
