/**
 * A stand-in for DingTalk that rejects every credential the way the real one does
 * (reference/dingtalk-protocol.md §5.2), so the daemon-backed UI test never reaches the internet
 * and exercises the error path of Save Config. The full fake lives in test/fakes/dingtalk/.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export async function startRejectingDingTalk(): Promise<{
  url: string;
  requests: string[];
  close: () => Promise<void>;
}> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.setHeader("Content-Type", "application/json");
    if (req.url?.startsWith("/gettoken")) {
      res.end(JSON.stringify({ errcode: 40096, errmsg: "不合法的appKey或appSecret" }));
      return;
    }
    res.statusCode = 400;
    res.end(
      JSON.stringify({
        code: "invalidClientIdOrSecret",
        message: "无效的clientId或者clientSecret",
        requestid: "t1",
      }),
    );
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
