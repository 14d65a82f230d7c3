// Package template serves AWS SAM and CloudFormation templates and CDK cloud
// assemblies: it turns them into the HTTP API definitions, stages and local
// function settings AWS would deploy from them, so that `apigw serve
// --template template.yaml` serves a SAM project as API Gateway and Lambda
// would.
//
// Load is a pure function of the files, the Sources' settings and Options;
// it runs, for each template of the set:
//
//  1. P0 parse (parse.go): YAML with CloudFormation's short tags, or JSON,
//     keeping the line and column of every node; keys given twice, unknown
//     tags.
//  2. P1 transforms (load.go): the Transform section; Fn::Transform
//     AWS::Include documents (local paths) are read in place.
//  3. P2 SAM (sam.go, sam_api.go): the AWS::Serverless-2016-10-31 transform
//     re-implemented on the node tree: Globals, the implicit
//     ServerlessHttpApi, HttpApi events, AWS::Serverless::HttpApi into
//     AWS::ApiGatewayV2::Api with the OpenAPI body and stage SAM generates
//     (golden-tested against the SAM translator's own fixtures), with SAM's
//     error texts. As in SAM, intrinsic functions are not resolved here.
//  4. P3 CloudFormation (intrinsics.go, refs.go): parameters and their
//     constraints, pseudo parameters, conditions and every intrinsic
//     function, resolved where a served value needs them; Ref and
//     Fn::GetAtt values with deterministic ids (ids.go) and placeholders
//     for resources apigw does not emulate.
//  5. P4 resources (resources.go): AWS::ApiGatewayV2::* resources into
//     model definitions; a Body goes through openapi.ImportNode, exactly as
//     ImportApi imports it.
//  6. P5 code (functions.go): where each function's code is and how it
//     runs locally (a bootstrap, a build command, a Node.js or Python
//     runtime), its environment (with --env-vars) and settings.
//
// Cloud assemblies (cdk.go) and nested stacks (load.go) add stacks to the
// set; samconfig.go reads samconfig files; checks.go checks the set as a
// whole. Every problem is a Diagnostic located at the template node it
// concerns, rendered as "file:line:col: LogicalId.Property: message"; a
// set with an error is refused whole (*LoadError), so a broken template
// never serves half an API.
package template
