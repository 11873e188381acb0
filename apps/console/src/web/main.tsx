// Entry point of the single-page app: reads the look from the URL, then renders the console.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app';
import { DisplayContext, applyDisplay } from './components/display';
import { SessionProvider } from './session/session';

const display = applyDisplay(window.location.search);
const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <DisplayContext.Provider value={display}>
      <SessionProvider>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </SessionProvider>
    </DisplayContext.Provider>
  </StrictMode>,
);
