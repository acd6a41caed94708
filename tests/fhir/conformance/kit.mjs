// Runs FHIR calls through fhir-kit-client (npm) for tests/fhir/conformance/test_clients.py.
// Standard input: {"base": URL, "token": bearer token, "calls": [call, ...]} (a call as
// test_clients.Call.as_json() writes it). Standard output: one JSON list, a result per call:
// {"status", "headers", "body"}; the test judges them. Each call goes through the client's own
// method for that interaction, never a hand-built request, so what is proved is what the
// library can do.
import { Client, RESPONSE_KEY } from "fhir-kit-client";

function answer(result) {
  const response = result?.[RESPONSE_KEY];
  const headers = {};
  if (response) {
    for (const [name, value] of response.headers) headers[name.toLowerCase()] = value;
  }
  return { status: response ? response.status : null, headers, body: result ?? null };
}

function failure(error) {
  // fhir-kit-client throws for any status that is not 2xx, with the status and parsed body.
  if (error?.response?.status) {
    const headers = {};
    for (const [name, value] of error.response.headers ?? []) headers[name.toLowerCase()] = value;
    return { status: error.response.status, headers, body: error.response.data ?? null };
  }
  return { status: null, headers: {}, body: null, error: String(error) };
}

async function allPages(client, first, options) {
  const pages = [first];
  let page = first;
  for (let i = 0; i < 50; i += 1) {
    page = await client.nextPage({ bundle: page, options });
    if (!page) break;
    pages.push(page);
  }
  return pages;
}

async function perform(client, call) {
  const options = { headers: call.headers ?? {} };
  const { type: resourceType, id } = call;
  switch (call.op) {
    case "read":
      return client.read({ resourceType, id, options });
    case "vread":
      return client.vread({ resourceType, id, version: call.version, options });
    case "history":
      return client.history({ resourceType, id, options });
    case "create":
      return client.create({ resourceType, body: call.body, options });
    case "update":
      return client.update({ resourceType, id, body: call.body, options });
    case "conditional-update":
      return client.update({ resourceType, searchParams: call.params, body: call.body, options });
    case "patch":
      return client.patch({ resourceType, id, jsonPatch: call.body, options });
    case "delete":
      return client.delete({ resourceType, id, options });
    case "search":
      return client.search({
        resourceType,
        searchParams: call.params,
        options: { ...options, postSearch: Boolean(call.post) },
      });
    case "transaction":
      return client.transaction({ body: call.body, options });
    case "batch":
      return client.batch({ body: call.body, options });
    case "operation":
      return client.operation({
        name: call.name,
        resourceType,
        id,
        method: "GET",
        input: call.params,
        options,
      });
    case "capabilities":
      return client.capabilityStatement(options);
    default:
      throw new Error(`fhir-kit-client runner: no call ${call.op}`);
  }
}

async function main() {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  const { base, token, calls } = JSON.parse(text);
  const client = new Client({ baseUrl: base, bearerToken: token });
  const results = [];
  for (const call of calls) {
    try {
      if (call.op === "search-pages") {
        const options = { headers: call.headers ?? {} };
        const first = await client.search({ resourceType: call.type, searchParams: call.params, options });
        const pages = await allPages(client, first, options);
        results.push({ ...answer(first), body: pages });
      } else {
        results.push(answer(await perform(client, call)));
      }
    } catch (error) {
      results.push(failure(error));
    }
  }
  process.stdout.write(JSON.stringify(results));
}

await main();
