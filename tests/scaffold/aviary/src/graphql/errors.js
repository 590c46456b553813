const { GraphQLError } = require('graphql');

class PermissionDenied extends GraphQLError {
  constructor(message) {
    super(message, { extensions: { code: 'FORBIDDEN' } });
  }
}

module.exports = { PermissionDenied };
