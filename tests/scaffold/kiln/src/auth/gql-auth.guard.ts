import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';

// Lets a GraphQL operation through when the request carries the studio's API token.
@Injectable()
export class GqlAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const token = process.env.STUDIO_TOKEN;
    const { req } = GqlExecutionContext.create(context).getContext();
    return !!token && req?.headers?.authorization === `Bearer ${token}`;
  }
}
