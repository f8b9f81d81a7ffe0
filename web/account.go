package web

// The account page: profile, password, email, sessions, linked accounts.
func (s *site) accountRoutes() {}
