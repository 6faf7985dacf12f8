// The same call as curl, Python and the CLI, for the user to copy.

function shellQuote(text) {
  return `'${String(text).replace(/'/g, `'"'"'`)}'`;
}

export function snippets(origin, connector, operation, params, stream) {
  const body = { operation, params };
  if (stream) body.stream = true;
  const json = JSON.stringify(body);
  const url = `${origin}/api/connectors/${encodeURIComponent(connector.id)}/execute`;
  const curl = [
    `curl -s${stream ? "N" : ""} ${shellQuote(url)} \\`,
    `  -H "Authorization: Bearer $OPENAI_CONNECTOR_KEY" \\`,
    "  -H 'Content-Type: application/json' \\",
    `  -d ${shellQuote(json)}`,
  ].join("\n");
  const python = [
    "import json, os, urllib.request",
    "",
    "request = urllib.request.Request(",
    `    ${JSON.stringify(url)},`,
    `    data=json.dumps(${JSON.stringify(body, null, 4).replace(/\n/g, "\n    ")}).encode(),`,
    '    headers={"Authorization": "Bearer " + os.environ["OPENAI_CONNECTOR_KEY"],',
    '             "Content-Type": "application/json"},',
    ")",
    "with urllib.request.urlopen(request) as answer:",
    "    print(json.load(answer)" + (stream ? "  # a stream: read answer line by line instead" : "") + ")",
  ].join("\n").replace(/\btrue\b/g, "True").replace(/\bfalse\b/g, "False").replace(/\bnull\b/g, "None");
  const config = connector.config || {};
  const where = config.base_url ? ` --base-url ${shellQuote(config.base_url)}`
    : config.endpoint ? ` --provider azure --endpoint ${shellQuote(config.endpoint)}` : "";
  const cli = `echo ${shellQuote(JSON.stringify(params))} | openai-connector${where} run ${operation} --params -`;
  return { curl, python, cli };
}
