"""Communities, their linked chats and their register of members."""
