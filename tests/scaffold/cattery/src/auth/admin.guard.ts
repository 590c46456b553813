import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const token = process.env.ADMIN_TOKEN;
    return !!token && context.switchToHttp().getRequest().headers.authorization === `Bearer ${token}`;
  }
}
