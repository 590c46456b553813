import { AuthChecker } from 'type-graphql';

export interface Context {
  user?: { id: string; roles: string[] };
}

// `@Authorized()` lets a signed-in caller through; `@Authorized('ADMIN')` needs the role too.
export const authChecker: AuthChecker<Context> = ({ context }, roles) =>
  !!context.user && roles.every((role) => context.user!.roles.includes(role));
