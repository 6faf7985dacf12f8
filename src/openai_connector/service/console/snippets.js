// The same call as curl, Python and the CLI, for the user to copy. curl and Python call the
// run API of this service; the CLI calls its OpenAI-compatible gateway (/v1) with the service
// key where the gateway serves the operation, else the provider directly (its key needed).
// tests/console/test_console_snippets.py runs what these produce.

// The gateway's routes (service/routes/gateway.py): operations the CLI can run through it.
const GATEWAY = new Set(["chat.create", "completions.create", "embeddings.create",
  "moderation.create", "images.generate", "responses.create", "audio.transcribe"]);

function shellQuote(text) {
  return `'${String(text).replace(/'/g, `'"'"'`)}'`;
}

// A JSON value as a Python literal (strings in JSON's escapes, which Python reads alike).
function py(value, indent = "") {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  if (typeof value === "string") return JSON.stringify(value);
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => `${inner}${py(v, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${py(v, inner)},`).join("\n")}\n${indent}}`;
}

function curlSnippet(url, json, fileNames, stream) {
  const lines = [`curl -s${stream ? "N" : ""} ${shellQuote(url)} \\`,
    `  -H "Authorization: Bearer $OPENAI_CONNECTOR_KEY" \\`];
  if (fileNames.length) {
    lines.push(`  --form-string ${shellQuote(`request=${json}`)} \\`);
    fileNames.forEach(([name, file], i) =>
      lines.push(`  -F ${shellQuote(`${name}=@${file}`)}${i < fileNames.length - 1 ? " \\" : ""}`));
  } else {
    lines.push("  -H 'Content-Type: application/json' \\", `  -d ${shellQuote(json)}`);
  }
  return lines.join("\n");
}

function pythonSnippet(url, body, fileNames, stream) {
  const head = ["import json, os, urllib.request"];
  const call = [];
  if (fileNames.length) {
    head[0] = "import json, os, urllib.request, uuid";
    call.push(
      `body = ${py(body)}`,
      "boundary = uuid.uuid4().hex",
      'parts = [(\'name="request"\', json.dumps(body).encode())]',
      ...fileNames.map(([name, file]) =>
        `with open(${JSON.stringify(file)}, "rb") as f:\n    parts.append((${JSON.stringify(`name="${name}"; filename="${file}"`)}, f.read()))`),
      "data = b\"\".join(",
      '    f"--{boundary}\\r\\nContent-Disposition: form-data; {disposition}\\r\\n\\r\\n".encode()',
      '    + content + b"\\r\\n"',
      "    for disposition, content in parts",
      ') + f"--{boundary}--\\r\\n".encode()',
      `request = urllib.request.Request(${JSON.stringify(url)}, data=data, headers={`,
      '    "Authorization": "Bearer " + os.environ["OPENAI_CONNECTOR_KEY"],',
      '    "Content-Type": f"multipart/form-data; boundary={boundary}",',
      "})");
  } else {
    call.push(
      `body = ${py(body)}`,
      `request = urllib.request.Request(${JSON.stringify(url)}, data=json.dumps(body).encode(), headers={`,
      '    "Authorization": "Bearer " + os.environ["OPENAI_CONNECTOR_KEY"],',
      '    "Content-Type": "application/json",',
      "})");
  }
  const read = stream
    ? ["with urllib.request.urlopen(request) as answer:",
      "    for line in answer:  # server-sent events: each delta, then the result",
      '        print(line.decode(), end="", flush=True)']
    : ["with urllib.request.urlopen(request) as answer:",
      "    print(json.dumps(json.load(answer), indent=2))"];
  return [...head, "", ...call, ...read].join("\n");
}

function cliSnippet(origin, connector, operation, params, stream) {
  const config = connector.config || {};
  if (GATEWAY.has(operation)) {
    // The gateway picks the connector named before the slash in the model.
    const model = `${connector.name}/${params.model ?? ""}`;
    const input = JSON.stringify({ ...params, model });
    return `echo ${shellQuote(input)} | OPENAI_API_KEY="$OPENAI_CONNECTOR_KEY" openai-connector \\
  --provider compatible --base-url ${shellQuote(`${origin}/v1`)} run ${operation}${stream ? " --stream" : ""} --params -`;
  }
  const where = [`--provider ${connector.provider}`];
  if (config.base_url) where.push(`--base-url ${shellQuote(config.base_url)}`);
  if (config.endpoint) where.push(`--endpoint ${shellQuote(config.endpoint)}`);
  if (config.api_version) where.push(`--api-version ${shellQuote(config.api_version)}`);
  if (config.default_model) where.push(`--default-model ${shellQuote(config.default_model)}`);
  const key = connector.provider === "azure" ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY";
  return [`# The service's /v1 gateway does not serve ${operation}: this runs it on the`,
    `# provider directly, with the provider's key in $${key}.`,
    `echo ${shellQuote(JSON.stringify(params))} | openai-connector \\`,
    `  ${where.join(" ")} run ${operation}${stream ? " --stream" : ""} --params -`].join("\n");
}

// params: the form's values; files: [[parameter, File name], ...] chosen in the form.
export function snippets(origin, connector, operation, params, stream, files = []) {
  const body = { operation, params };
  if (stream) body.stream = true;
  const url = `${origin}/api/connectors/${encodeURIComponent(connector.id)}/execute`;
  const cliParams = { ...params };
  for (const [name, file] of files) cliParams[name] = file;
  return {
    curl: curlSnippet(url, JSON.stringify(body), files, stream),
    python: pythonSnippet(url, body, files, stream),
    cli: cliSnippet(origin, connector, operation, cliParams, stream),
  };
}
