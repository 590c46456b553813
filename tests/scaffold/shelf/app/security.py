from fastapi import Header, HTTPException


async def get_current_user(authorization: str = Header(default="")):
    if not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="not authenticated")
    return {"name": "reader"}
