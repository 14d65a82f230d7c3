// Command stream is a test function: it returns an io.Reader that yields
// "partial-" and then fails, so aws-lambda-go sends the error trailers.
package main

import (
	"errors"
	"io"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type failingReader struct{ r io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("stream broke")
	}
	return n, err
}

func main() {
	lambda.Start(func() (io.Reader, error) {
		return &failingReader{r: strings.NewReader("partial-")}, nil
	})
}
