// Command hello is the smallest aws-lambda-go function: the yardstick that cmd/initbench
// measures each of Intake's functions' initialisation against.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
