#!/usr/bin/env python3
"""Downloads the benchmark corpora from the package registries into bench/corpus/.

Python: the wheels of Django, FastAPI, Flask, Starlette, Pydantic, SQLAlchemy, requests and the
GraphQL servers Strawberry, Graphene and Ariadne (PyPI). JavaScript: the npm tarballs of express,
fastify, koa, mongoose, sequelize, @nestjs/core, Apollo Server (@apollo/server), socket.io and
ws. Versions are pinned so figures are comparable across runs.

Usage: python3 bench/corpus.py [DEST]   (default bench/corpus)
"""
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

PYTHON = [
    "django==5.2.19",
    "fastapi==0.165.0",
    "flask==3.1.3",
    "starlette==1.10.0",
    "pydantic==2.14.4",
    "sqlalchemy==2.1.9",
    "requests==2.34.2",
    "strawberry-graphql==0.341.3",
    "graphene==3.4.3",
    "ariadne==1.1.1",
]
JAVASCRIPT = [
    "express@5.3.0",
    "fastify@5.12.8",
    "koa@3.3.0",
    "mongoose@9.12.1",
    "sequelize@6.37.8",
    "@nestjs/core@12.5.1",
    "@apollo/server@5.5.1",
    "socket.io@4.8.4",
    "ws@8.23.1",
]


def python_corpus(dest):
    out = os.path.join(dest, "python")
    if os.path.isdir(out) and os.listdir(out):
        return out
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.12", "-d", tmp, *PYTHON], check=True)
        for wheel in sorted(glob.glob(os.path.join(tmp, "*.whl"))):
            name = os.path.basename(wheel).split("-")[0].lower()
            with zipfile.ZipFile(wheel) as z:
                for member in z.namelist():
                    if member.endswith(".py"):
                        z.extract(member, os.path.join(out, name))
    return out


def javascript_corpus(dest):
    out = os.path.join(dest, "javascript")
    if os.path.isdir(out) and os.listdir(out):
        return out
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec in JAVASCRIPT:
            subprocess.run(["npm", "pack", "--silent", "--pack-destination", tmp, spec], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for tgz in sorted(glob.glob(os.path.join(tmp, "*.tgz"))):
            name = os.path.basename(tgz).rsplit("-", 1)[0]
            target = os.path.join(out, name)
            with tarfile.open(tgz) as t:
                t.extractall(target, filter="data")
    return out


def count_lines(root, exts):
    total = files = 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            if n.endswith(exts):
                files += 1
                with open(os.path.join(dirpath, n), "rb") as f:
                    total += f.read().count(b"\n")
    return files, total


def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    py = python_corpus(dest)
    js = javascript_corpus(dest)
    print(f"python: {py}: %d files, %d lines" % count_lines(py, (".py",)))
    print(f"javascript: {js}: %d files, %d lines" % count_lines(js, (".js", ".mjs", ".cjs", ".ts")))


if __name__ == "__main__":
    main()
