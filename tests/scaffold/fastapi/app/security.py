from fastapi import Depends, Header, HTTPException


async def get_current_user(authorization: str = Header(default="")):
    if not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="not authenticated")
    return {"token": authorization.removeprefix("Bearer ")}


async def require_admin(user: dict = Depends(get_current_user)):
    if not user.get("admin"):
        raise HTTPException(status_code=403, detail="admins only")
