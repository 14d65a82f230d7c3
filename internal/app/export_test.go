package app

import "github.com/apigwdev/apigw/internal/integration/private"

// SetPrivateOptions makes the gateways that tests start next adjust their
// private targets' options with f, until the returned restore is called.
func SetPrivateOptions(f func(*private.Options)) (restore func()) {
	old := privateOptionsHook
	privateOptionsHook = f
	return func() { privateOptionsHook = old }
}
