package krag_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/store/sqlite"
)

// Mount Krag in a net/http server and protect a page.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "krag-example")
	defer os.RemoveAll(dir)

	db, err := sqlite.Open(ctx, filepath.Join(dir, "krag.db"), sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	opts := krag.Options{
		BaseURL:  "http://localhost:4321",
		Secret:   "an-example-secret-of-at-least-32-characters",
		Database: db,
	}
	sch, err := krag.Schema(opts)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Migrate(ctx, sch); err != nil { // or: krag migrate
		log.Fatal(err)
	}
	auth, err := krag.New(opts)
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/api/auth/", auth)
	mux.Handle("/dashboard", auth.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sd := krag.SessionFromContext(r.Context())
		fmt.Fprintf(w, "Hello, %s", sd.User.Name)
	})))
	_ = mux // http.ListenAndServe(":4321", mux)
	fmt.Println(auth.BasePath())
	// Output: /api/auth
}

// The seed's "default role on sign-up", written as a record hook that looks the role up by
// name: no magic role ids.
func ExampleHooks() {
	roleID := krag.IntField("roleId").ReadOnly()
	roles := map[string]int64{"admin": 1, "user": 2} // in an application: a query on its roles table
	var opts krag.Options
	opts.User.AdditionalFields = []krag.AdditionalField{roleID}
	opts.Hooks.User.BeforeCreate = func(ctx context.Context, u *krag.User) error {
		if _, set := roleID.Get(u); set {
			return nil
		}
		id, ok := roles["user"]
		if !ok {
			return errors.New(`no role named "user"`)
		}
		roleID.Set(u, id)
		return nil
	}
	u := &krag.User{Email: "ada@example.com"}
	opts.Hooks.User.BeforeCreate(context.Background(), u)
	id, _ := roleID.Get(u)
	fmt.Println(id)
	// Output: 2
}

// Declare an additional field once and use it with its type.
func ExampleField() {
	firstName := krag.StringField("firstName")
	u := &krag.User{Name: "Ada Lovelace"}
	firstName.Set(u, "Ada")
	name, ok := firstName.Get(u)
	fmt.Println(name, ok)
	// Output: Ada true
}
