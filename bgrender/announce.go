package bgrender

// Announce tells the Manager's subscribers about a change made to the
// gallery outside the Manager, such as an imported image (server's POST
// /api/import): every API over this Manager (the owner socket's and the
// web server's) then tells its browsers.
func (m *Manager) Announce(e Event) { m.emit(e) }
