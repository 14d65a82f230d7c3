package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestAdmin(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte("admin:\n  credentials:\n    - {accessKeyId: AKIAADMIN, secretAccessKey: admin-secret}\n    - accessKeyId: AKIAOPS\n      secretAccessKey: ops-secret\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []AdminCredential{
		{AccessKeyID: "AKIAADMIN", SecretAccessKey: "admin-secret", Line: 3, Column: 7},
		{AccessKeyID: "AKIAOPS", SecretAccessKey: "ops-secret", Line: 4, Column: 7},
	}
	if !reflect.DeepEqual(c.Admin.Credentials, want) || !c.Admin.Required() {
		t.Errorf("admin = %+v; want %+v", c.Admin.Credentials, want)
	}
	for _, doc := range []string{"{}\n", "admin: {}\n"} {
		c, err := Parse([]byte(doc), "c.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if c.Admin.Required() {
			t.Errorf("%q: admin credentials required", doc)
		}
	}
}

// TestAdminSecretNotShown checks that problems never quote a secret.
func TestAdminSecretNotShown(t *testing.T) {
	t.Parallel()
	doc := "admin:\n  credentials:\n    - {accessKeyId: A-1, secretAccessKey: hunter2secret, extra: x}\n    - {accessKeyId: A-1, secretAccessKey: hunter2secret}\n"
	_, err := Parse([]byte(doc), "c.yaml")
	if err == nil {
		t.Fatal("no problem reported")
	}
	if strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("problems reveal the secret:\n%v", err)
	}
}

func TestAdminProblems(t *testing.T) {
	t.Parallel()
	const pre = "admin:\n  credentials:\n    - "
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"empty list", "admin:\n  credentials: []\n", []string{"c.yaml:2:16: admin.credentials must list at least one {accessKeyId, secretAccessKey}; leave out admin to keep the admin listener open"}},
		{"null list", "admin:\n  credentials:\n", []string{"c.yaml:2:15: admin.credentials must list at least one {accessKeyId, secretAccessKey}; leave out admin to keep the admin listener open"}},
		{"not a list", "admin:\n  credentials: AKIAADMIN\n", []string{"c.yaml:2:16: admin.credentials must be a list, not a string"}},
		{"admin not a mapping", "admin: [a]\n", []string{"c.yaml:1:8: admin must be a mapping, not a list"}},
		{"unknown admin key", "admin:\n  users: []\n", []string{`c.yaml:2:3: unknown key "users" in admin`}},
		{"unknown entry key", pre + "{accessKeyId: A, secretAccessKey: s, sessionToken: t}\n", []string{`c.yaml:3:44: unknown key "sessionToken" in admin.credentials entry`}},
		{"missing secret", pre + "{accessKeyId: A}\n", []string{"c.yaml:3:7: admin.credentials entry: secretAccessKey is required"}},
		{"missing key", pre + "{secretAccessKey: s}\n", []string{"c.yaml:3:7: admin.credentials entry: accessKeyId is required"}},
		{"empty secret", pre + "{accessKeyId: A, secretAccessKey: \"\"}\n", []string{"c.yaml:3:41: admin.credentials.secretAccessKey must not be empty"}},
		{"empty key", pre + "{accessKeyId: \"\", secretAccessKey: s}\n", []string{`c.yaml:3:21: admin.credentials.accessKeyId "" must be 1 to 128 letters and digits`}},
		{"bad key", pre + "{accessKeyId: AK-IA, secretAccessKey: s}\n", []string{`c.yaml:3:21: admin.credentials.accessKeyId "AK-IA" must be 1 to 128 letters and digits`}},
		{"duplicate key", pre + "{accessKeyId: A, secretAccessKey: s}\n    - {accessKeyId: A, secretAccessKey: t}\n", []string{`c.yaml:4:21: admin.credentials.accessKeyId "A" is used by another admin credential`}},
		{"secret not a string", pre + "{accessKeyId: A, secretAccessKey: [s]}\n", []string{"c.yaml:3:41: admin.credentials.secretAccessKey must be a string, not a list"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.doc), "c.yaml")
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v; want *Error", err)
			}
			var got []string
			for _, p := range ce.Problems {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestAdminCheckExposure(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		listen string
		admin  Admin
		ok     bool
	}{
		{"127.0.0.1:3300", Admin{}, true},
		{"[::1]:3300", Admin{}, true},
		{"localhost:3300", Admin{}, true},
		{"0.0.0.0:3300", Admin{}, false},
		{":3300", Admin{}, false},
		{"[::]:3300", Admin{}, false},
		{"192.0.2.10:3300", Admin{}, false},
		{"0.0.0.0:3300", Admin{AllowUnauthenticated: true}, true},
		{"0.0.0.0:3300", Admin{Credentials: []AdminCredential{{AccessKeyID: "A", SecretAccessKey: "s"}}}, true},
	} {
		err := tt.admin.CheckExposure(tt.listen)
		if (err == nil) != tt.ok {
			t.Errorf("CheckExposure(%q, %+v) = %v; want ok=%v", tt.listen, tt.admin, err, tt.ok)
		}
	}
}
