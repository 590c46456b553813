// The signed-in beekeeper: the server's context puts one there for a request with credentials.
export function isAuthenticated(user) {
  return Boolean(user && user.name);
}
