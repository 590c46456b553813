from fastapi import APIRouter, Depends

from app.security import get_current_user

router = APIRouter(prefix="/readers")


@router.get("/me")
async def me(user=Depends(get_current_user)):
    return user
