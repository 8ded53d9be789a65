package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/gallery"
)

// The user commands manage a team gallery's users. They write to the
// gallery's database directly: whoever can reach it is its administrator.

var userAddAdmin bool

var cmdUser = &cobra.Command{
	Use:   "user",
	Short: "Manage the users of a team gallery (add, ls, rm, reset)",
}

var cmdUserAdd = &cobra.Command{
	Use:   "add NAME",
	Short: "Add a user and print their API token (shown once; the gallery keeps only its hash)",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		role := gallery.RoleUser
		if userAddAdmin {
			role = gallery.RoleAdmin
		}
		return withGallery(cmd, func(g *gallery.Gallery) error {
			tok, err := g.AddUser(cmd.Context(), args[0], role)
			if err != nil {
				return err
			}
			fmt.Println(tok)
			return nil
		})
	},
}

var cmdUserReset = &cobra.Command{
	Use:   "reset NAME",
	Short: "Give a user a new token (printed) and revoke the old one",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		return withGallery(cmd, func(g *gallery.Gallery) error {
			tok, err := g.ResetToken(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Println(tok)
			return nil
		})
	},
}

var cmdUserRm = &cobra.Command{
	Use:   "rm NAME",
	Short: "Remove a user (their snapshots stay)",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		return withGallery(cmd, func(g *gallery.Gallery) error { return g.RemoveUser(cmd.Context(), args[0]) })
	},
}

var userLsJSON bool

var cmdUserLs = &cobra.Command{
	Use:   "ls",
	Short: "List the users",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		return withGallery(cmd, func(g *gallery.Gallery) error {
			users, err := g.Users(cmd.Context())
			if err != nil {
				return err
			}
			if userLsJSON {
				if users == nil {
					users = []gallery.User{}
				}
				return json.NewEncoder(os.Stdout).Encode(users)
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tCREATED")
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.Role, u.Created.Format("2006-01-02 15:04:05"))
			}
			return tw.Flush()
		})
	},
}

// withGallery opens the gallery for a command and closes it after.
func withGallery(cmd *cobra.Command, f func(g *gallery.Gallery) error) error {
	g, err := openGallery(cmd.Context())
	if err != nil {
		return err
	}
	defer g.Close()
	return f(g)
}

func init() {
	cmdUserAdd.Flags().BoolVar(&userAddAdmin, "admin", false, "the user may edit anybody's snapshots")
	cmdUserLs.Flags().BoolVar(&userLsJSON, "json", false, "print JSON")
	cmdUser.AddCommand(cmdUserAdd, cmdUserReset, cmdUserRm, cmdUserLs)
	cmdRoot.AddCommand(cmdUser)
}
