// jsdom for component tests, with the fetch-era globals Node has and jsdom lacks (react-router and the API client need them).
/* global Response, Request, Headers, ReadableStream */
const { TestEnvironment } = require('jest-environment-jsdom');

class DomEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    Object.assign(this.global, { TextEncoder, TextDecoder, Response, Request, Headers, ReadableStream, structuredClone });
  }
}

module.exports = DomEnvironment;
