# apigw's container image:
#
#   docker build -t apigw .
#   docker run -p 3000:3000 -v "$PWD":/work apigw serve
#
# serves the project in the working directory (its apigw.yaml, or a SAM
# template, as `apigw serve` finds them) on port 3000. The image keeps the
# Go toolchain, so that Go functions with a `build` command build inside it;
# Dockerfile.runtimes adds node and python3 for Node.js and Python functions.
# The admin listener stays on the container's loopback unless the command
# line says otherwise (and then admin.credentials is required).
# scripts/image.sh builds both images and checks that they serve the example.

ARG GO_IMAGE=golang:1.27.3-bookworm

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -ldflags "-s -w -buildid= -X github.com/apigwdev/apigw/internal/cli.version=${VERSION} -X github.com/apigwdev/apigw/internal/cli.commit=${COMMIT}" \
    -o /out/apigw ./cmd/apigw

FROM ${GO_IMAGE}
COPY --from=build /out/apigw /usr/local/bin/apigw
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /work
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["serve"]
