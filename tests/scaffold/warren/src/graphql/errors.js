const { GraphQLError } = require('graphql');

class AuthenticationError extends GraphQLError {
  constructor(message = 'authentication required') {
    super(message, { extensions: { code: 'UNAUTHENTICATED' } });
  }
}

module.exports = { AuthenticationError };
