// validate.mjs checks an OpenAPI 3.1 document and exits 1 on any error:
//
//	node tools/openapi/validate.mjs http/openapi.json
//
// 1. The document against the OpenAPI Initiative's JSON Schema of 3.1
//    documents, with every $ref resolved (@seriousme/openapi-schema-validator).
// 2. That schema leaves Schema Objects alone, so each one is compiled by Ajv
//    as JSON Schema 2020-12 in strict mode, which refuses unknown keywords
//    and formats (a misspelt "minLenght" would otherwise mean nothing).
// 3. Every example is validated against the schema beside it.
import { readFile } from "node:fs/promises";
import { argv, exit } from "node:process";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

const addFormats = addFormatsModule.default;
const dialect = "https://json-schema.org/draft/2020-12/schema";
const base = "https://openapi.breachdesk.invalid/openapi.json";

const file = argv[2];
if (!file || argv.length > 3) {
	console.error("usage: node validate.mjs FILE");
	exit(2);
}

const problems = [];
let doc;
try {
	doc = JSON.parse(await readFile(file, "utf8"));
} catch (err) {
	console.error(`${file}: ${err.message}`);
	exit(1);
}

const validator = new Validator();
const result = await validator.validate(structuredClone(doc));
if (!result.valid) {
	const errors = Array.isArray(result.errors) ? result.errors : [result.errors];
	for (const e of errors) {
		problems.push(typeof e === "string" ? e : `${e.instancePath || "/"}: ${e.message} ${JSON.stringify(e.params)}`);
	}
} else if (validator.version !== "3.1") {
	problems.push(`openapi is ${JSON.stringify(doc.openapi)}: this checks OpenAPI 3.1 documents only`);
} else if (doc.jsonSchemaDialect !== dialect) {
	problems.push(`jsonSchemaDialect is ${JSON.stringify(doc.jsonSchemaDialect)}, not ${dialect}: the schemas are checked as plain JSON Schema 2020-12`);
}

if (problems.length === 0) {
	const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true, validateFormats: true });
	addFormats(ajv);
	// The whole document is one resource, so that "#/components/..."
	// references resolve. Its own top-level fields are made known to Ajv,
	// which would otherwise take them for misspelt keywords; Ajv does not
	// look inside them, and compiles only the Schema Objects below.
	ajv.addVocabulary(Object.keys(doc));
	ajv.addSchema({ ...doc, $id: base }, undefined, undefined, false);
	for (const [pointer, node] of schemaObjects(doc)) {
		let validate;
		try {
			validate = ajv.compile({ $ref: `${base}#${pointer}` });
		} catch (err) {
			problems.push(`${pointer}: ${err.message}`);
			continue;
		}
		for (const [where, example] of examplesBeside(node, pointer)) {
			if (!validate(example)) {
				problems.push(`${where}: the example does not match the schema: ${ajv.errorsText(validate.errors)}`);
			}
		}
	}
}

if (problems.length > 0) {
	for (const p of problems) {
		console.error(`${file}: ${p}`);
	}
	exit(1);
}
console.log(`${file}: a valid OpenAPI ${doc.openapi} document`);

// schemaObjects yields the JSON pointer of every Schema Object that is not
// inside another one: the component schemas and the schemas of parameters,
// headers and media types, with the object that holds each (for examples).
function* schemaObjects(doc) {
	for (const name of Object.keys(doc.components?.schemas ?? {})) {
		yield [`/components/schemas/${escape(name)}`, null];
	}
	function* walk(node, pointer) {
		if (node === null || typeof node !== "object") {
			return;
		}
		for (const [key, value] of Object.entries(node)) {
			const at = `${pointer}/${escape(key)}`;
			if (key === "schema" && value !== null && typeof value === "object" && !Array.isArray(node)) {
				yield [at, node];
			} else if (!(pointer === "/components" && key === "schemas")) {
				yield* walk(value, at);
			}
		}
	}
	yield* walk(doc, "");
}

// examplesBeside returns the examples of a parameter, header or media type
// object, each with where it is.
function examplesBeside(holder, schemaPointer) {
	if (holder === null) {
		return [];
	}
	const at = schemaPointer.slice(0, -"/schema".length);
	const found = [];
	if ("example" in holder) {
		found.push([`${at}/example`, holder.example]);
	}
	for (const [name, ex] of Object.entries(holder.examples ?? {})) {
		if (ex && "value" in ex) {
			found.push([`${at}/examples/${escape(name)}/value`, ex.value]);
		}
	}
	return found;
}

function escape(token) {
	return token.replaceAll("~", "~0").replaceAll("/", "~1");
}
