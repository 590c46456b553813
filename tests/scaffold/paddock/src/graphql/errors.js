'use strict';

const mercurius = require('mercurius');

// Mercurius sends the code in the error's extensions and the status with the response.
class AuthenticationError extends mercurius.ErrorWithProps {
  constructor(message = 'sign in first') {
    super(message, { code: 'UNAUTHENTICATED' }, 401);
  }
}

module.exports = { AuthenticationError };
