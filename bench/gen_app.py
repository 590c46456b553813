#!/usr/bin/env python3
"""Writes a deterministic FastAPI project of FILES Python files (default 2,000) under OUT.

Usage: python3 bench/gen_app.py [FILES] [OUT]      (defaults: 2000, /tmp/app2000)

The project looks like a large service split into packages: per domain a router module (5 to 9
routes, router-level and per-route dependencies), a models module (SQLAlchemy 2.0 `Mapped[]`
columns, foreign keys, relationships), a schemas module (Pydantic), a service module (httpx and
Redis clients, queries) and a test module that calls the routes' paths; `app/main.py` includes
every router with a prefix. About 150 lines per file. A fixed seed makes the output identical
for the same FILES. Used by `cargo run --release --example index_bench`.
"""
import os
import random
import sys

files = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/app2000"
rng = random.Random(5)
domains = max(1, (files - 3) // 6)

FIELDS = ["name", "email", "status", "amount", "quantity", "region", "reference", "priority"]


def router(d):
    lines = [
        "from fastapi import APIRouter, Depends, HTTPException",
        "",
        "from app.auth import get_current_user, require_admin",
        f"from app.d{d}.schemas import Item{d}In, Item{d}Out",
        f"from app.d{d}.service import Service{d}",
        "",
        f'router = APIRouter(prefix="/d{d}", tags=["d{d}"], dependencies=[Depends(get_current_user)])',
        "",
    ]
    for r in range(rng.randint(5, 9)):
        method = rng.choice(["get", "get", "post", "put", "delete", "patch"])
        path = rng.choice(["/", "/{item_id}", f"/{{item_id}}/sub{r}", f"/search{r}"])
        dep = rng.choice(["", ", admin=Depends(require_admin)"])
        lines += [
            "",
            f'@router.{method}("{path}", response_model=Item{d}Out)',
            f"async def handler_{d}_{r}(item_id: int = 0, service: Service{d} = Depends(Service{d}){dep}):",
            f'    """Handles {method.upper()} {path} for domain {d}."""',
            "    result = await service.load(item_id)",
            "    if result is None:",
            '        raise HTTPException(status_code=404, detail="not found")',
            "    for key, value in result.items():",
            "        if value is None:",
            "            result[key] = ''",
            "    return result",
            "",
        ]
    return lines


def models(d):
    lines = [
        "from sqlalchemy import ForeignKey, String",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship",
        "",
        "",
        "class Base(DeclarativeBase):",
        "    pass",
        "",
    ]
    for m in range(3):
        lines += ["", f"class Model{d}x{m}(Base):", f'    __tablename__ = "t{d}_{m}"',
                  "    id: Mapped[int] = mapped_column(primary_key=True)"]
        for f in rng.sample(FIELDS, 5):
            lines.append(f"    {f}: Mapped[str] = mapped_column(String(120), index={rng.choice(['True', 'False'])})")
        lines.append(f'    owner_id: Mapped[int] = mapped_column(ForeignKey("t{d}_0.id"))')
        lines.append(f'    owner: Mapped["Model{d}x0"] = relationship()')
        lines += ["", "    def __repr__(self):", f'        return f"<Model{d}x{m} {{self.id}}>"', ""]
    return lines


def schemas(d):
    lines = ["from pydantic import BaseModel", ""]
    for name in (f"Item{d}In", f"Item{d}Out"):
        lines += ["", f"class {name}(BaseModel):"]
        lines += [f"    {f}: str = ''" for f in FIELDS]
        lines.append("")
    return lines


def service(d):
    return [
        "import httpx",
        "import redis",
        "",
        f"from app.d{d}.models import Model{d}x0",
        "",
        'cache = redis.Redis(host="localhost")',
        'client = httpx.AsyncClient(timeout=5.0)',
        "",
        "",
        f"class Service{d}:",
        "    def __init__(self):",
        "        self.client = client",
        "",
        "    async def load(self, item_id):",
        "        cached = cache.get(str(item_id))",
        "        if cached:",
        "            return {'id': item_id, 'cached': cached}",
        f'        response = await self.client.get(f"https://upstream.internal/d{d}/{{item_id}}")',
        "        response.raise_for_status()",
        "        data = response.json()",
        "        cache.set(str(item_id), str(data))",
        "        return data",
    ] + [f"# padding line {i} describing domain {d}" for i in range(60)]


def test(d):
    lines = []
    for t in range(6):
        lines += [
            f"def test_d{d}_{t}(client):",
            f'    response = client.get("/api/d{d}/{t}")',
            "    assert response.status_code in (200, 404)",
            "",
            "",
        ]
    return lines


def write(path, lines):
    full = os.path.join(out, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write("\n".join(lines) + "\n")


write("app/__init__.py", [])
write("app/auth.py", [
    "from fastapi import Depends, HTTPException",
    "",
    "def get_current_user(token: str = ''):",
    "    if not token:",
    "        raise HTTPException(status_code=401)",
    "    return {'id': 1}",
    "",
    "def require_admin(user=Depends(get_current_user)):",
    "    return user",
])
main = ["from fastapi import FastAPI", ""]
for d in range(domains):
    main.append(f"from app.d{d} import router as r{d}")
main += ["", "app = FastAPI()", ""]
for d in range(domains):
    main.append(f'app.include_router(r{d}.router, prefix="/api")')
main += ["", "", '@app.get("/health")', "def health():", "    return {'ok': True}"]
write("app/main.py", main)
written = 3
for d in range(domains):
    write(f"app/d{d}/__init__.py", [])
    write(f"app/d{d}/router.py", router(d))
    write(f"app/d{d}/models.py", models(d))
    write(f"app/d{d}/schemas.py", schemas(d))
    write(f"app/d{d}/service.py", service(d))
    write(f"tests/test_d{d}.py", test(d))
    written += 6
print(f"wrote {written} files under {out}", file=sys.stderr)
