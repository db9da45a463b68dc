import type { ZodError } from "zod";

/** Every error the API can answer with. The JSDoc on each code says when it is thrown. */
export const errorCodes = {
  /** The request body is not valid JSON, or a required part of the request is missing. */
  bad_request: 400,
  /** No session cookie and no valid `Authorization: Bearer` token. */
  unauthorized: 401,
  /** Signed in, but the role does not allow this action. */
  forbidden: 403,
  /** The id in the URL does not name an object the caller may see. */
  not_found: 404,
  /** The request conflicts with existing state (a duplicate name, removing the last admin). */
  conflict: 409,
  /** The request body is larger than this endpoint accepts. */
  payload_too_large: 413,
  /** The body or query parsed, but fields break the schema or a business rule. */
  validation_failed: 422,
  /** Too many failed sign-ins for this email or address; retry after the lock expires. */
  rate_limited: 429,
  /** Anything unexpected; the response carries an error id that is also in the server log. */
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldIssue {
  path: string;
  message: string;
}

/** The one error type of the domain layer; route handlers turn it into the error envelope. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues?: FieldIssue[];
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: { issues?: FieldIssue[]; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return errorCodes[this.code];
  }
}

export function issuesFromZod(error: ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
}

/** A 422 naming each field that failed, e.g. "url: Invalid URL". */
export function validationError(error: ZodError, what = "Request"): AppError {
  const issues = issuesFromZod(error);
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return new AppError("validation_failed", `${what} is invalid: ${summary}`, { issues });
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; issues?: FieldIssue[]; errorId?: string };
}
