import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Home } from './routes/Home'

const root = document.getElementById('root')
if (!root) throw new Error('index.html must contain #root')
createRoot(root).render(
  <StrictMode>
    <Home />
  </StrictMode>
)
