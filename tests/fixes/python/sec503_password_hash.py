import hashlib

from app.db import db


def register(username: str, password: str) -> None:
    digest = hashlib.sha256(password.encode()).hexdigest()
    db.users.insert(username=username, password_hash=digest)


def check(user, password: str) -> bool:
    return hashlib.md5(password.encode()).hexdigest() == user.password_hash
