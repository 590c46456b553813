import hashlib
import hmac


def signature(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.md5).hexdigest()


def document_id(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def legacy_id(content: bytes) -> str:
    return hashlib.new("md5", content).hexdigest()
