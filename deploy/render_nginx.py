"""Write an nginx configuration for fevermap instances that each hold some regions (see nginx.conf.template).

Usage: ``python deploy/render_nginx.py --port 8080 --prefix /var/lib/fevermap-nginx \\
    --instance 127.0.0.1:8001=shanghai_center,andorra --instance 127.0.0.1:8002=shanghai_center,monaco \\
    --default shanghai_center > nginx.conf``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def render(port: int, prefix: str, instances: dict[str, list[str]], default: str) -> str:
    """The configuration text: one upstream per region, one for the default region, a location per region."""
    regions = sorted({r for held in instances.values() for r in held})
    ups, locs = [], []

    def upstream(name: str, servers: list[str]) -> str:
        lines = "\n".join(f"        server {s} max_fails=1 fail_timeout=5s;" for s in servers)
        return f"    upstream {name} {{\n{lines}\n        keepalive 16;\n    }}"

    for region in regions:
        holders = [addr for addr, held in instances.items() if region in held]
        ups.append(upstream(f"fevermap_region_{region}", holders))
        locs.append(f"        location /regions/{region}/ {{\n            proxy_pass http://fevermap_region_{region};\n"
                    "        }")  # fmt: skip
    ups.append(upstream("fevermap_all", [a for a, held in instances.items() if default in held]))
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in {"@UPSTREAMS@": "\n".join(ups), "@LOCATIONS@": "\n".join(locs), "@PORT@": str(port),
                       "@PREFIX@": prefix}.items():  # fmt: skip
        text = text.replace(key, value)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--prefix", required=True, help="folder for nginx's pid, logs and temporary files")
    parser.add_argument("--instance", action="append", required=True, help="HOST:PORT=region,region,...")
    parser.add_argument("--default", required=True, help="the region unprefixed requests need (the default)")
    args = parser.parse_args()
    instances = {}
    for spec in args.instance:
        addr, _, held = spec.partition("=")
        instances[addr] = [r for r in held.split(",") if r]
    sys.stdout.write(render(args.port, args.prefix, instances, args.default))


if __name__ == "__main__":
    main()
