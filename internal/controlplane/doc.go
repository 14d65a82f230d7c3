// Package controlplane serves the apigatewayv2 management API of HTTP APIs
// (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html) on the admin listener, so that the AWS SDKs,
// the AWS CLI and Terraform manage apigw unmodified.
//
// router.go lists every operation in one screen; each resource has its own
// file (apis.go, routes.go, integrations.go, authorizers.go, stages.go,
// deployments.go, domainnames.go, apimappings.go, vpclinks.go, tags.go,
// importexport.go). Handlers return errors; one place (awserr.Write)
// renders them in AWS's shape with x-amzn-ErrorType, which the SDKs turn
// into their typed exceptions.
//
// Every mutation follows the same steps, in one store transaction:
//
//  1. decode the request (wrong JSON types are BadRequestException);
//  2. check that the resources named in the path exist
//     (NotFoundException);
//  3. build the new resource and validate it, and the API definition it
//     becomes part of, with package model (BadRequestException, or
//     ConflictException for a route key that collides) — before anything
//     is written;
//  4. write it, and for a change to an API's definition create a new
//     deployment for each of its autoDeploy stages (autoDeployed: true);
//  5. ask the Deployer to compile what the transaction changed (the APIs
//     whose stages or deployments it wrote, the custom domains it wrote:
//     store.Changes, recorded by store.Track), as the transaction now holds
//     it; a change that touches nothing served compiles nothing. If that
//     fails, the deployments of this change are recorded FAILED with
//     the compiler's message and their stages keep their previous
//     deployment; a change that cannot be served even so is refused
//     (BadRequestException) and nothing is written;
//  6. commit (durably), then install the compiled snapshot, and answer.
//
// So the store only ever holds state that compiles, a restart serves
// exactly what was acknowledged, and an answered request's change is
// already being served.
package controlplane
