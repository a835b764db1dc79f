/** A complete HTTP answer, built by a route and possibly spoiled by a fault before it is sent. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A JSON answer with the content type both real services send. */
export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
    body: JSON.stringify(value),
  };
}

/** A plain-text answer, like Yahoo's edge "Edge: Too Many Requests" or a proxy's "Bad Gateway". */
export function textReply(status: number, text: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers }, body: text };
}
