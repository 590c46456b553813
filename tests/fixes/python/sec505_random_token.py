import random
import string


def reset_token(length: int = 32) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choice(alphabet) for _ in range(length))


def otp_code() -> str:
    return str(random.randint(100000, 999999))
